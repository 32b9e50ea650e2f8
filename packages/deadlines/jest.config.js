export { default } from '@platform/jest-config';

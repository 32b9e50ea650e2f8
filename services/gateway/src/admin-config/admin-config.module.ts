import { Module } from '@nestjs/common';
import { AdminConfigController } from './admin-config.controller.js';

/** `GET/PUT /admin/config`; LiveConfigStore comes from the platform (LiveConfigModule). */
@Module({ controllers: [AdminConfigController] })
export class AdminConfigModule {}

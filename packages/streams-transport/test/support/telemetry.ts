import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  type ContextManager,
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

/** A context value the test propagator carries as the `x-tenant` header. */
export const TENANT = createContextKey('test tenant');

/** What an OpenTelemetry SDK registers, reduced to the part the transport relies on. */
class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }

  bind<T>(_context: Context, target: T): T {
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

class TenantPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const tenant = ctx.getValue(TENANT);
    if (typeof tenant === 'string') setter.set(carrier, 'x-tenant', tenant);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const tenant = getter.get(carrier, 'x-tenant');
    return typeof tenant === 'string' ? ctx.setValue(TENANT, tenant) : ctx;
  }

  fields(): string[] {
    return ['x-tenant'];
  }
}

/** Registers a context manager and a propagator globally, as the observability package will; returns the undo. */
export function installTestTelemetry(): () => void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  propagation.setGlobalPropagator(new TenantPropagator());
  return () => {
    context.disable();
    propagation.disable();
  };
}

import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { HttpErrorFilter } from '@platform/http';
import { RpcErrorFilter } from '@platform/transport';

/**
 * One global filter for both faces of a hybrid app: Nest applies the app's global filters to
 * its transports only when they inherit the app config, and then a single catch-all filter
 * must serve HTTP and RPC alike.
 */
@Catch()
export class PlatformErrorFilter implements ExceptionFilter {
  private readonly http = new HttpErrorFilter();
  private readonly rpc = new RpcErrorFilter();

  catch(exception: unknown, host: ArgumentsHost) {
    return host.getType() === 'rpc' ? this.rpc.catch(exception, host) : this.http.catch(exception, host);
  }
}

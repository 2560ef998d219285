import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/** How long requests in flight may take to finish once the api stops accepting new ones. */
export const HTTP_DRAIN_MS = 10_000;

/**
 * Shutdown, step one of three: Nest closes the HTTP server (no new connections; idle keep-alive ones close),
 * which waits for the requests in flight. One that is still open after HTTP_DRAIN_MS is cut, so a stuck
 * client cannot hold the shutdown. (Live feeds end by themselves: TradeEventsService completes them.)
 * Step two, draining the outbox, is OutboxRelayService.onApplicationShutdown.
 */
@Injectable()
export class HttpShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(signal?: string): void {
    this.logger.log(`${signal ?? 'shutdown'}: no new requests; finishing the ones in flight`);
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    setTimeout(() => {
      this.logger.warn(`requests still open after ${HTTP_DRAIN_MS} ms: closing their connections`);
      server.closeAllConnections();
    }, HTTP_DRAIN_MS).unref();
  }
}

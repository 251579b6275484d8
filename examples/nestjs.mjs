// A NestJS service (Nest 10 or 11, on Express or Fastify): ShutdownHooksModule drains the HTTP
// server first, then runs Nest's lifecycle (onModuleDestroy, beforeApplicationShutdown,
// onApplicationShutdown) after the last response, so the pool below is still open for every
// request in flight. No enableShutdownHooks(): the module takes its place.
//   npm install @nestjs/core @nestjs/common @nestjs/platform-express reflect-metadata
//   node examples/nestjs.mjs          (NEST_PLATFORM=fastify for @nestjs/platform-fastify)
// Written without decorator syntax so that it runs as plain JavaScript: `Module({...})(AppModule)`
// is what `@Module({...})` does.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ShutdownHooksModule } from 'shutdown-hooks/nestjs';

// A stand-in for a database pool: a query takes QUERY_MS (100), and one after end() fails, as
// pg's does.
const QUERY_MS = Number(process.env.QUERY_MS ?? 100);
class Pool {
  open = true;
  queries = 0;
  async query() {
    if (!this.open) throw new Error('Cannot use a pool after calling end on the pool');
    await sleep(QUERY_MS);
    this.queries += 1;
  }
  onModuleDestroy() {
    this.open = false;
    console.log(`pool ended after ${this.queries} queries`);
  }
}
Injectable()(Pool);

let inFlight = 0; // requests being served, for the line printed at onApplicationShutdown

class HelloController {
  constructor(pool) {
    this.pool = pool;
  }
  async hello() {
    inFlight += 1;
    try {
      await this.pool.query();
      return `hello from ${process.pid}\n`;
    } finally {
      inFlight -= 1;
    }
  }
}
Controller()(HelloController);
Reflect.defineMetadata('design:paramtypes', [Pool], HelloController);
const hello = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello');
Get()(HelloController.prototype, 'hello', hello);

class Lifecycle {
  onApplicationShutdown(signal) {
    console.log(`onApplicationShutdown(${signal}), ${inFlight} requests in flight`);
  }
}
Injectable()(Lifecycle);

class AppModule {}
Module({
  imports: [ShutdownHooksModule.forRoot({ delay: Number(process.env.DELAY_MS ?? 5000) })],
  controllers: [HelloController],
  providers: [Pool, Lifecycle],
})(AppModule);

const fastify = process.env.NEST_PLATFORM === 'fastify';
const adapter = fastify
  ? new (await import('@nestjs/platform-fastify')).FastifyAdapter()
  : new (await import('@nestjs/platform-express')).ExpressAdapter();
const app = await NestFactory.create(AppModule, adapter, { logger: ['error', 'warn'] });
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log(`listening on ${await app.getUrl()} (${fastify ? 'fastify' : 'express'})`);

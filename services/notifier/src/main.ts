// Entry point of the notifier: configuration, logger, the service, and a graceful stop on SIGTERM/SIGINT.
import { createInstanceId, createLogger, onShutdown } from '@dish-live/server';
import { loadConfigOrExit } from './config.js';
import { startNotifier } from './service.js';

const config = loadConfigOrExit(process.env); // zod; a bad variable stops here, named
const instance = createInstanceId();
const log = createLogger('notifier', config.logLevel, instance);
const notifier = await startNotifier(config, log, instance); // redis → store, queue, worker → http → follower
onShutdown(log, config.shutdownGraceMs, [['notifier', notifier.stop]]); // http, follower, worker (in-flight attempts), queue, redis

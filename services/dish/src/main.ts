// Entry point of the dish service: configuration, logger, the service, and a graceful stop on SIGTERM/SIGINT.
import { createInstanceId, createLogger, onShutdown } from '@dish-live/server';
import { loadConfigOrExit } from './config.js';
import { startDishService } from './service.js';

const config = loadConfigOrExit(process.env); // zod; a bad variable stops here, named
const instance = createInstanceId();
const log = createLogger('dish', config.logLevel, instance);
const service = await startDishService(config, log, { instance }); // redis → event log → queue/worker/simulator → app → listen
onShutdown(log, 15_000, [['service', service.stop]]); // http, jobs, redis: reverse order of start

// Entry point of the dish service: configuration, logger, the service, and a graceful stop on SIGTERM/SIGINT.
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { startDishService } from './service.js';
import { onShutdown } from './shutdown.js';

const config = loadConfigOrExit(process.env); // zod; a bad variable stops here, named
const log = createLogger(config);
const service = await startDishService(config, log); // redis → event log → queue/worker/simulator → app → listen
onShutdown(log, service.stop); // http, jobs, redis: reverse order of start

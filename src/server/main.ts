import fileConfig from '../../knexfile-free-config.js';
import { serveUntilSignalled } from './serve.js';

// `npm start`: jobclock's server, configured by knexfile-free-config.ts and the environment
// (HOST, PORT, SCHEDULER_STORE, SCHEDULER_TASKS, SCHEDULER_BASIC_AUTH, …). SIGTERM / SIGINT shut it
// down gracefully; a second signal exits at once.

serveUntilSignalled(process.env, fileConfig);

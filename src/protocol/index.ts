// Public surface of the protocol module: the only part of src/ that client/ may import.
export * from './codes.js';
export * from './messages.js';
export * from './reading.js';
export * from './frame.js';
export * from './http.js';
export * from './forecast-message.js';
export * from './thresholds.js';
export * from './event-probability.js';

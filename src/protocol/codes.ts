// Stable machine codes for every rejection and error the protocol can report; clients and tests match on these.

export const ErrorCode = {
  /** Frame is not valid JSON. */
  BadJson: 'bad_json',
  /** Frame is binary, or JSON that is not an object. */
  BadFrame: 'bad_frame',
  /** `type` is missing or not one the server knows. */
  UnknownType: 'unknown_type',
  /** A required field is absent. */
  MissingField: 'missing_field',
  /** A field has the wrong type or shape. */
  InvalidField: 'invalid_field',
  /** A sensor id is empty, too long or uses characters outside [A-Za-z0-9._:-]. */
  BadSensor: 'bad_sensor',
  /** A number is NaN, Infinity or a string that is not a number. */
  NonFinite: 'non_finite',
  /** A measurement is outside its physical range (temp -90..60 deg C, ...). */
  OutOfRange: 'out_of_range',
  /** `ts` is not ISO-8601 with a zone nor epoch milliseconds, or is outside 1970..2100. */
  BadTimestamp: 'bad_timestamp',
  /** `ts` lies further in the future than the server allows. */
  FutureTimestamp: 'future_timestamp',
  /** The frame exceeds the maximum payload size. */
  FrameTooLarge: 'frame_too_large',
  /** A push carries more readings than allowed per frame. */
  TooManyReadings: 'too_many_readings',
  /** The server is shutting down or overloaded; retry later. */
  Unavailable: 'unavailable',
  /** Storage failed; nothing of the frame was acknowledged. */
  StorageError: 'storage_error',
  /** Unknown sensor (HTTP). */
  NotFound: 'not_found',
  /** Token missing or invalid. */
  Unauthorized: 'unauthorized',
  /** Token lacks the right (push/read) or the sensor is outside its scope. */
  Forbidden: 'forbidden',
  /** Too many frames per second on this connection. */
  RateLimited: 'rate_limited',
  /** A subscription asks event probabilities for more thresholds than allowed (8). */
  TooManyThresholds: 'too_many_thresholds',
  /** Too many subscriptions on this connection. */
  TooManySubscriptions: 'too_many_subscriptions',
  /** This address holds the maximum number of connections (close 1013: try again later). */
  TooManyConnections: 'too_many_connections',
  /** The server tracks the maximum number of sensors. */
  TooManySensors: 'too_many_sensors',
  /** This node does not own the sensor (sensors partitioned across nodes); send it to its owner. */
  NotOwner: 'not_owner',
  /** Unexpected server fault; the frame may be retried. */
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

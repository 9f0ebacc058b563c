import { describe, expect, it } from 'vitest';
import { DEFAULTS, configFromEnv, resolveConfig, stationSeasonDays, stationUtcOffsetHours } from '../../src/config.js';

describe('config', () => {
  it('needs no configuration', () => {
    expect(resolveConfig()).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      db: './data/wxstream.db',
      stepSeconds: 3600,
      horizon: 24,
    });
    expect(resolveConfig({}).maxReadingsPerFrame).toBe(DEFAULTS.maxReadingsPerFrame);
  });

  it('reads every option from the environment, strictly', () => {
    expect(configFromEnv({ WXSTREAM_PORT: '0', WXSTREAM_DB: ':memory:', WXSTREAM_STEP: '600' })).toEqual({
      port: 0,
      db: ':memory:',
      stepSeconds: 600,
    });
    expect(() => configFromEnv({ WXSTREAM_HORIZON: '24h' })).toThrow(/WXSTREAM_HORIZON/);
  });

  it.each([
    [{ port: 70000 }, /"port"/],
    [{ port: 1.5 }, /"port"/],
    [{ horizon: 0 }, /"horizon"/],
    [{ stepSeconds: '3600' as unknown as number }, /"stepSeconds"/],
    [{ host: '' }, /"host"/],
    [{ maxReadingsPerFrame: 10, batchMaxReadings: 5 }, /"batchMaxReadings"/],
    [{ colour: 1 } as never, /unknown option "colour"/],
    [{ idleSeconds: 3600 } as never, /unknown option "idleSeconds"/],
    [{ partitions: 0 }, /"partitions"/],
    [{ insecure: 'yes' as unknown as boolean }, /"insecure"/],
    [{ synchronous: 'off' as never }, /"synchronous"/],
    [{ maxFramesPerSecond: 0 }, /"maxFramesPerSecond"/],
    [{ heartbeatSeconds: 0 }, /"heartbeatSeconds"/],
    [{ bandTuningRate: -0.1 }, /"bandTuningRate"/],
    [{ bandTuningRate: Number.NaN }, /"bandTuningRate"/],
    [{ stationUtcOffset: '+1' }, /"stationUtcOffset"/],
    [{ stationUtcOffset: '+15:00' }, /"stationUtcOffset"/],
    [{ stationHemisphere: 'South' as never }, /"stationHemisphere"/],
  ])('rejects %j naming the option', (opts, re) => {
    expect(() => resolveConfig(opts)).toThrow(RangeError);
    expect(() => resolveConfig(opts)).toThrow(re);
  });

  it('reads booleans and the hardening options from the environment, strictly', () => {
    expect(configFromEnv({ WXSTREAM_INSECURE: '1', WXSTREAM_SYNCHRONOUS: 'full', WXSTREAM_MAX_CONNECTIONS_PER_IP: '4' })).toEqual({
      insecure: true,
      synchronous: 'full',
      maxConnectionsPerIp: 4,
    });
    expect(configFromEnv({ WXSTREAM_INSECURE: 'false' })).toEqual({ insecure: false });
    expect(() => configFromEnv({ WXSTREAM_INSECURE: 'maybe' })).toThrow(/WXSTREAM_INSECURE/);
  });

  it('reads the band tuning rate as a decimal number, strictly', () => {
    expect(configFromEnv({ WXSTREAM_BAND_TUNING_RATE: '0.05' })).toEqual({ bandTuningRate: 0.05 });
    expect(configFromEnv({ WXSTREAM_BAND_TUNING_RATE: '0' })).toEqual({ bandTuningRate: 0 });
    expect(() => configFromEnv({ WXSTREAM_BAND_TUNING_RATE: '5%' })).toThrow(/WXSTREAM_BAND_TUNING_RATE/);
    expect(resolveConfig({ bandTuningRate: 0.05 }).bandTuningRate).toBe(0.05);
  });

  it('reads the stations\' UTC offset as +hh:mm, none by default', () => {
    expect(configFromEnv({ WXSTREAM_STATION_UTC_OFFSET: '-05:30' })).toEqual({ stationUtcOffset: '-05:30' });
    expect(stationUtcOffsetHours(resolveConfig({ stationUtcOffset: '-05:30' }))).toBe(-5.5);
    expect(stationUtcOffsetHours(resolveConfig({ stationUtcOffset: '+01:00' }))).toBe(1);
    expect(stationUtcOffsetHours(resolveConfig())).toBeUndefined();
    expect(configFromEnv({ WXSTREAM_STATION_HEMISPHERE: 'south' })).toEqual({ stationHemisphere: 'south' });
    expect(stationSeasonDays(resolveConfig({ stationHemisphere: 'south' }))).toBe(182);
    expect(stationSeasonDays(resolveConfig())).toBe(0);
  });
});

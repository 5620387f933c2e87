import { ConfigError } from '../../../lib/errors';
import { databaseNameOf, readMongoUrl } from '../mongo-url';

describe('MongoDB connection strings', () => {
  test.each([
    'mongodb://localhost:27017',
    'mongodb://db1:27017,db2:27017,db3:27017/palisade?replicaSet=rs0',
    'mongodb://user:p%40ss@db:27017/palisade?authSource=admin',
    'mongodb+srv://cluster0.example.net/palisade?retryWrites=true',
  ])('readMongoUrl accepts %s', (url) => {
    expect(readMongoUrl({ MONGODB_URL: url }, 'MONGODB_URL')).toBe(url);
  });

  test('readMongoUrl returns undefined when the variable is unset or empty', () => {
    expect(readMongoUrl({}, 'MONGODB_URL')).toBeUndefined();
    expect(readMongoUrl({ MONGODB_URL: '' }, 'MONGODB_URL')).toBeUndefined();
  });

  test.each(['postgres://db:5432/x', 'localhost:27017', 'mongodb://', 'mongodb:///palisade'])('readMongoUrl refuses %s with a ConfigError naming the variable', (url) => {
    expect(() => readMongoUrl({ MONGODB_URL: url }, 'MONGODB_URL')).toThrow(ConfigError);
    expect(() => readMongoUrl({ MONGODB_URL: url }, 'MONGODB_URL')).toThrow(/^MONGODB_URL: /);
  });

  test('databaseNameOf reads the path of single-host, replica set and SRV strings, or falls back', () => {
    expect(databaseNameOf('mongodb://db1:27017,db2:27017/assets?replicaSet=rs0', 'fallback')).toBe('assets');
    expect(databaseNameOf('mongodb+srv://cluster0.example.net/my%2Ddb', 'fallback')).toBe('my-db');
    expect(databaseNameOf('mongodb://localhost:27017', 'fallback')).toBe('fallback');
    expect(databaseNameOf('mongodb://localhost:27017/', 'fallback')).toBe('fallback');
    expect(databaseNameOf('mongodb://localhost:27017/?replicaSet=rs0', 'fallback')).toBe('fallback');
  });
});

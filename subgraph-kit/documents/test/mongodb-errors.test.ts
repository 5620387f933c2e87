import { MongoNetworkError, MongoServerError } from 'mongodb';
import { QueryDeadlineExceededError, StoreRefusedValueError, StoreUnavailableError } from '../../store-errors';
import { guard } from '../mongodb';
import { DuplicateKeyError } from '../store';

/*
 * How the MongoDB adapter names the driver's failures, which the subgraphs answer with codes: no MongoDB server
 * runs here, so the errors are the driver's own classes, built as the server would have them.
 */

const failing = (error: Error) => guard(() => Promise.reject(error));
const serverError = (code: number, codeName: string, errmsg: string) => new MongoServerError({ code, codeName, errmsg });

describe('MongoDB errors', () => {
  it('names an operation stopped at its maxTimeMS a QueryDeadlineExceededError (DEADLINE_EXCEEDED)', async () => {
    await expect(failing(serverError(50, 'MaxTimeMSExpired', 'operation exceeded time limit'))).rejects.toBeInstanceOf(QueryDeadlineExceededError);
  });

  it.each([
    [10334, 'BSONObjectTooLarge', 'BSONObj size: 17000000 is invalid'],
    [17419, 'Location17419', 'Resulting document after update is larger than 16777216'],
    [121, 'DocumentValidationFailure', 'Document failed validation'],
  ])('names a value the server refuses as data (%s %s) a StoreRefusedValueError (BAD_USER_INPUT)', async (code, codeName, errmsg) => {
    await expect(failing(serverError(code, codeName, errmsg))).rejects.toEqual(new StoreRefusedValueError(errmsg));
  });

  it('names a duplicate key after its index', async () => {
    await expect(failing(serverError(11000, 'DuplicateKey', 'E11000 duplicate key error collection: db.things index: tenant_uid dup key: { uid: "a" }'))).rejects.toEqual(
      new DuplicateKeyError('tenant_uid'),
    );
  });

  it('passes a malformed query on as it is: the fault of the code, not of the client', async () => {
    const badValue = serverError(2, 'BadValue', 'unknown operator: $nope');
    await expect(failing(badValue)).rejects.toBe(badValue);
  });

  it('names a failure to reach the server a StoreUnavailableError (DATABASE_UNAVAILABLE)', async () => {
    await expect(failing(new MongoNetworkError('connection reset'))).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceFaultsMirror } from '../../../../src/local/faults/service-faults-mirror';

/** The control plane (`local up`) follows the fleet's Lambda throttle setting and reports what it throttled back. */
describe('ServiceFaultsMirror: Lambda throttles under `local up`', () => {
  let server: Server;
  let url: string;
  const reported: Record<string, number>[] = [];
  beforeAll(async () => {
    // Stands in for the fleet controller's POST /service-faults/produced.
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        reported.push(JSON.parse(body) as Record<string, number>);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, faults: { lambdaThrottleFraction: 0.5 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('takes the fraction from the fleet, keeps its spread across polls, and hands back each throttle once', async () => {
    const mirror = ServiceFaultsMirror.start(url, 60_000);
    try {
      await mirror.sync();
      expect(mirror.faults.current.lambdaThrottleFraction).toBe(0.5);
      const decisions = [mirror.faults.throttleLambdaInvocation(), mirror.faults.throttleLambdaInvocation(), mirror.faults.throttleLambdaInvocation()];
      await mirror.sync(); // the same fraction again: the fourth invocation is still the second throttled one
      decisions.push(mirror.faults.throttleLambdaInvocation());
      await mirror.sync();
      expect(decisions).toEqual([false, true, false, true]);
      expect(reported.map((r) => r.lambdaThrottled)).toEqual([0, 1, 1]);
    } finally {
      mirror.stop();
    }
  });
});

// nock 15 and some Octokit code paths use Promise.withResolvers, which Node 20 lacks.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  (Promise as unknown as { withResolvers: () => unknown }).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Tests never reach AWS: every SDK client points at a closed local port unless a test sets
// its own AWS_ENDPOINT_URL_<SERVICE>, and the credential chain never probes instance metadata.
process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:9';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTESTONLY';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-only-secret';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// The SDK's "Node 20 support ends in January 2027" warning is printed once per test file and
// buries the results; the running controller still prints it (operators should see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

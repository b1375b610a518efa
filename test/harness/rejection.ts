/** The error a call fails with, passed through `as`; a call that succeeds fails the test. */
export async function rejection<E>(call: Promise<unknown>, as: (error: unknown) => E): Promise<E> {
  try {
    await call;
  } catch (error) {
    return as(error);
  }
  throw new Error("the call was expected to fail, and succeeded");
}

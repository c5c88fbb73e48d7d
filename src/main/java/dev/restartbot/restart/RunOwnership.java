package dev.restartbot.restart;

/**
 * Who is running a request. With several replicas, the one that moved a request to RUNNING holds a
 * claim it keeps renewing; when it dies, the claim lapses and another replica can say so, instead
 * of the request staying RUNNING forever.
 */
public interface RunOwnership {

  /** Claims the run of {@code requestId} for this replica until the claim is closed. */
  Claim claim(RestartRequest request);

  /** Whether the replica running {@code request} has stopped renewing its claim. */
  boolean isAbandoned(RestartRequest request);

  /** A held claim; closing it releases it. */
  interface Claim extends AutoCloseable {
    @Override
    void close();
  }

  /** One replica, requests in memory: a run cannot outlive its owner. */
  RunOwnership LOCAL =
      new RunOwnership() {
        @Override
        public Claim claim(RestartRequest request) {
          return () -> {};
        }

        @Override
        public boolean isAbandoned(RestartRequest request) {
          return false;
        }
      };
}

package dev.restartbot.restart;

import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The restart feature's shared pieces: the clock, the policy and the request store. */
public class RestartBeans {

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /** Built at start, so that a broken allowlist stops the bot with a message naming the key. */
  @Produces
  @Singleton
  @Startup
  Policy policy(PolicyConfig config) {
    return Policy.from(config);
  }

  @Produces
  @Singleton
  RequestStore requestStore() {
    return new InMemoryRequestStore();
  }
}

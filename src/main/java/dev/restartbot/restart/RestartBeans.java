package dev.restartbot.restart;

import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.PolicyException;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
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
    try {
      return Policy.from(config);
    } catch (PolicyException e) {
      // Quarkus prints a ConfigurationException's message alone, without a stack trace.
      throw new ConfigurationException(e.getMessage());
    }
  }

  @Produces
  @Singleton
  RequestStore requestStore() {
    return new InMemoryRequestStore();
  }

  @Produces
  @Singleton
  RunOwnership runOwnership() {
    return RunOwnership.LOCAL;
  }
}

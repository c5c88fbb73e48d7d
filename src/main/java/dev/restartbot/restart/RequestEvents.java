package dev.restartbot.restart;

import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Publishes {@link RequestEvent}s to their subscribers, synchronously and in order. A subscriber
 * that throws is logged and passed over: rendering, auditing or counting a step must never stop the
 * step itself.
 */
public final class RequestEvents {

  private static final Logger LOG = Logger.getLogger(RequestEvents.class);

  private final Consumer<RequestEvent> subscribers;

  public RequestEvents(Consumer<RequestEvent> subscribers) {
    this.subscribers = subscribers;
  }

  public void publish(RequestEvent event) {
    try {
      subscribers.accept(event);
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "a subscriber failed on %s of request %s",
          event.getClass().getSimpleName(),
          event.requestId());
    }
  }
}

package dev.restartbot.slack;

import dev.restartbot.audit.AuditConfig;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.stream.Collectors;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.logging.Logger;

/** Copies every audit record to {@code restart.audit-channel}, when one is configured. */
@Singleton
public class AuditChannel {

  private static final Logger LOG = Logger.getLogger(AuditChannel.class);

  private final SlackClient slack;
  private final ManagedExecutor executor;

  AuditChannel(SlackClient slack, ManagedExecutor executor) {
    this.slack = slack;
    this.executor = executor;
  }

  void subscribe(@Observes StartupEvent event, AuditLog log, AuditConfig config) {
    config
        .auditChannel()
        .filter(c -> !c.isBlank())
        .ifPresent(channel -> log.addListener(r -> executor.runAsync(() -> post(channel, r))));
  }

  private void post(String channel, AuditRecord r) {
    String text =
        "`"
            + r.action().label()
            + "` "
            + (r.requestId().isEmpty() ? "" : "request `" + r.requestId() + "` ")
            + "by "
            + (r.actor().startsWith("U") || r.actor().startsWith("W")
                ? "<@" + r.actor() + ">"
                : r.actor())
            + (r.targets().isEmpty()
                ? ""
                : " · "
                    + r.targets().stream()
                        .map(t -> "`" + t + "`")
                        .collect(Collectors.joining(", ")))
            + (r.outcome().isEmpty() ? "" : " · " + r.outcome())
            + (r.detail().isEmpty() ? "" : " · " + Messages.escape(r.detail()));
    try {
      slack.post(channel, null, text, null);
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not copy an audit record to %s: %s", channel, e.error());
    }
  }
}

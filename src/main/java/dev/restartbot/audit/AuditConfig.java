package dev.restartbot.audit;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** Where the audit trail goes besides the log. */
@ConfigMapping(prefix = "restart")
public interface AuditConfig {

  /** A channel that receives every audit record; default: only the request's own channel. */
  Optional<String> auditChannel();
}

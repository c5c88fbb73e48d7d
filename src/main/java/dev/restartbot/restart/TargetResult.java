package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import java.time.Duration;

/** The outcome of one target of a request, and how long it took. */
public record TargetResult(Target target, Outcome outcome, Duration took) {}

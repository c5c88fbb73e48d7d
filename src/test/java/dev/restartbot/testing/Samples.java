package dev.restartbot.testing;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.RestartRequest;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One instance of every permitted subtype of a sealed type, built by reflection, so that a test
 * over "every outcome" or "every refusal" covers the ones added after it was written. A component
 * that is itself sealed yields one instance per subtype of it.
 */
public final class Samples {

  private Samples() {}

  /** Every variant of {@code type}: its permitted subtypes, recursively, or itself. */
  public static <T> List<T> all(Class<T> type) {
    List<T> out = new ArrayList<>();
    if (type.isSealed()) {
      for (Class<?> sub : type.getPermittedSubclasses()) {
        for (Object each : all(sub)) {
          out.add(type.cast(each));
        }
      }
      return out;
    }
    if (!type.isRecord()) {
      out.add(type.cast(value(type, type, 0)));
      return out;
    }
    RecordComponent[] components = type.getRecordComponents();
    int sealedAt = -1;
    for (int i = 0; i < components.length; i++) {
      if (components[i].getType().isSealed()) {
        sealedAt = i;
        break;
      }
    }
    List<Object> variants =
        sealedAt < 0 ? List.of(new Object()) : new ArrayList<>(all(components[sealedAt].getType()));
    for (Object variant : variants) {
      Object[] values = new Object[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        values[i] = i == sealedAt ? variant : value(types[i], components[i].getGenericType(), i);
      }
      try {
        var constructor = type.getDeclaredConstructor(types);
        constructor.setAccessible(true);
        out.add(type.cast(constructor.newInstance(values)));
      } catch (ReflectiveOperationException e) {
        throw new AssertionError("cannot build a sample " + type.getName(), e);
      }
    }
    return out;
  }

  private static Object value(Class<?> type, Type generic, int i) {
    if (type == String.class) {
      return "value-" + i;
    }
    if (type == long.class || type == Long.class) {
      return 40L + i;
    }
    if (type == int.class || type == Integer.class) {
      return i;
    }
    if (type == boolean.class) {
      return true;
    }
    if (type == java.math.BigDecimal.class) {
      return java.math.BigDecimal.valueOf(2 + i);
    }
    if (type == Duration.class) {
      return Duration.ofMillis(1234 + i);
    }
    if (type == Instant.class) {
      return RequestBuilder.T0.plusSeconds(i);
    }
    if (type == Target.class) {
      return new Target(WorkloadKind.DEPLOYMENT, "ns", "target-" + i);
    }
    if (type == Actor.class) {
      return Actor.member("U0SAMPLE");
    }
    if (type == RestartRequest.class) {
      return RequestBuilder.request().message("1.1").build();
    }
    if (type.isEnum()) {
      return type.getEnumConstants()[0];
    }
    if (type == Optional.class || type == List.class) {
      Type inner = ((ParameterizedType) generic).getActualTypeArguments()[0];
      Class<?> raw =
          inner instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) inner;
      Object one = raw.isSealed() ? all(raw).get(0) : value(raw, inner, i);
      return type == Optional.class ? Optional.of(one) : List.of(one);
    }
    if (type.isSealed()) {
      return all(type).get(0);
    }
    if (type.isRecord()) {
      return all(type).get(0);
    }
    throw new AssertionError("add a sample for " + type);
  }
}

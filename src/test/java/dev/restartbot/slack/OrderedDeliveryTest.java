package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class OrderedDeliveryTest {

  /** A pool that runs nothing until told: Slack is stuck. */
  private final List<Runnable> held = new CopyOnWriteArrayList<>();

  private final OrderedDelivery delivery = new OrderedDelivery(held::add);

  private void runHeld() {
    while (!held.isEmpty()) {
      Runnable next = held.remove(0);
      next.run();
    }
  }

  @Test
  void optionalDeliveriesPastTheBoundAreDroppedWhileRequestResultsAreNot() {
    List<String> delivered = new ArrayList<>();
    for (int i = 0; i < OrderedDelivery.MAX_OPTIONAL; i++) {
      assertThat(delivery.offer("ephemeral:U" + (i % 7), () -> {})).isTrue();
    }

    boolean taken = delivery.offer("ephemeral:U1", () -> delivered.add("dropped"));
    delivery.submit("request-1", () -> delivered.add("result"));
    runHeld();

    assertThat(taken).isFalse();
    assertThat(delivered).containsExactly("result");
  }

  @Test
  void theBoundCountsOnlyWhatIsStillWaiting() {
    for (int i = 0; i < OrderedDelivery.MAX_OPTIONAL; i++) {
      delivery.offer("ephemeral:U1", () -> {});
    }
    runHeld();

    assertThat(delivery.offer("ephemeral:U1", () -> {})).isTrue();
  }

  @Test
  void aFailingOptionalDeliveryStillFreesItsPlace() {
    delivery.offer(
        "ephemeral:U1",
        () -> {
          throw new IllegalStateException("Slack said no");
        });
    for (int i = 1; i < OrderedDelivery.MAX_OPTIONAL; i++) {
      delivery.offer("ephemeral:U2", () -> {});
    }
    runHeld();

    for (int i = 0; i < OrderedDelivery.MAX_OPTIONAL; i++) {
      assertThat(delivery.offer("ephemeral:U3", () -> {})).as("#%d", i).isTrue();
    }
  }
}

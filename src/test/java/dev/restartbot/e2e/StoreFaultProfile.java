package dev.restartbot.e2e;

import java.util.HashMap;
import java.util.Map;

/** {@link ApiServerFaultProfile} with requests kept as ConfigMaps, as with several replicas. */
public class StoreFaultProfile extends ApiServerFaultProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.putAll(new ClusterStoreProfile().getConfigOverrides());
    return config;
  }
}

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Lambda handler for the fleet test (65_fleet.sh), run by FakeLambdaRuntime's "handler"
 * mode: {"ms": N} spins N ms in parseOrder; {"slow": N} also spins N ms in
 * plantedSlowPricing, the method the test expects the fleet tools to find. Each method
 * spins in its own body, so the time is its self time.
 */
public class FleetFunction {
    static volatile long sink;

    static long parseOrder(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 3;
        while (System.nanoTime() < end) {
            x = x * 31 + (x >>> 7) + 1;
        }
        return x;
    }

    static long plantedSlowPricing(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 5;
        while (System.nanoTime() < end) {
            x = x * 17 + (x >>> 5) + 3;
        }
        return x;
    }

    static long num(Object v, long dflt) {
        return v instanceof Number ? ((Number) v).longValue() : dflt;
    }

    public Map<String, Object> handleRequest(Map<String, Object> event) {
        sink += parseOrder(num(event.get("ms"), 50));
        long slow = num(event.get("slow"), 0);
        if (slow > 0) {
            sink += plantedSlowPricing(slow);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ok", 1L);
        return r;
    }
}

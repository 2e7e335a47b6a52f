import java.util.concurrent.CountDownLatch;

/** A known profile: one thread burns CPU in hotMethod, one sleeps, main waits for both.
 *  With -Dhotspin.ticker=true a third thread ("ticker") calls tick() in bursts longer than
 *  the sampling interval with sleeps between, so the number of calls it prints ("ticks N")
 *  is what the snapshot's Hits for tick must show. */
public class HotSpin {
    static volatile long sink;

    static long hotMethod(long n) {
        long x = 0;
        for (long i = 0; i < n; i++) {
            x += (i * 31) ^ (x >>> 3);
        }
        return x;
    }

    /** Spins for `ms`: one invocation every sample in it sees. */
    static long tick(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += x ^ 7;
        }
        return x;
    }

    static int ticker(long runMs) {
        long end = System.nanoTime() + runMs * 1_000_000L;
        int calls = 0;
        while (System.nanoTime() < end) {
            sink += tick(25);
            calls++;
            try {
                Thread.sleep(35);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return calls;
    }

    static long coldMethod(long n) {
        long x = 0;
        for (long i = 0; i < n; i++) {
            x += i;
        }
        return x;
    }

    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        String hotName = args.length > 1 ? args[1] : "hot-\u00fcml\u00e4ut-\u7ebf\u7a0b";
        long start = System.nanoTime();
        CountDownLatch go = new CountDownLatch(1);
        Thread hot = new Thread(() -> {
            await(go);
            long end = System.nanoTime() + runMs * 1_000_000L;
            while (System.nanoTime() < end) {
                sink += hotMethod(200_000);
                sink += coldMethod(5_000);
            }
        }, hotName);
        Thread sleeper = new Thread(() -> {
            await(go);
            try {
                Thread.sleep(runMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sleeper");
        int[] ticks = {-1};
        Thread ticker = new Thread(() -> {
            await(go);
            ticks[0] = ticker(runMs);
        }, "ticker");
        boolean withTicker = Boolean.getBoolean("hotspin.ticker");
        hot.start();
        sleeper.start();
        if (withTicker) ticker.start();
        go.countDown();
        hot.join();
        sleeper.join();
        if (withTicker) {
            ticker.join();
            System.out.println("ticks " + ticks[0]);
        }
        System.out.println("elapsed_ms " + (System.nanoTime() - start) / 1_000_000L);
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

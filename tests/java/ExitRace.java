import java.util.concurrent.CountDownLatch;

/** Several threads call System.exit (or Runtime.halt with "halt") at the same moment. */
public class ExitRace {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        boolean halt = args.length > 0 && args[0].equals("halt");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        long workMs = args.length > 2 ? Long.parseLong(args[2]) : 500;
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            final int code = 10 + i;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                if (halt) {
                    Runtime.getRuntime().halt(code);
                } else {
                    System.exit(code);
                }
            }, "exiter-" + i);
            t.start();
        }
        long end = System.nanoTime() + workMs * 1_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() & 3;
        }
        sink = x;
        System.out.println("exiting");
        System.out.flush();
        go.countDown();
        Thread.sleep(60_000);
    }
}

/** Exits the JVM with System.exit from a worker thread while main is still busy. */
public class ExitFromWorker {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        Thread worker = new Thread(() -> {
            long end = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < end) {
                sink++;
            }
            System.exit(3);
        }, "exiter");
        worker.start();
        while (true) {
            sink += System.nanoTime() % 7;
        }
    }
}

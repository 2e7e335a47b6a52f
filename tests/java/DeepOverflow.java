/** Recurses to StackOverflowError again and again (the stack size is the JVM's -Xss), so
 *  the main thread is as deep as its stack allows most of the time. Prints "ready" once it
 *  is busy; runs for the given milliseconds (default: until killed). */
public class DeepOverflow {
    static volatile long sink;
    static long depth;

    static void down() {
        depth++;
        down();
    }

    public static void main(String[] args) {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : Long.MAX_VALUE / 2_000_000L;
        long end = System.nanoTime() + runMs * 1_000_000L;
        System.out.println("ready");
        System.out.flush();
        long overflows = 0;
        while (System.nanoTime() < end) {
            depth = 0;
            try {
                down();
            } catch (StackOverflowError e) {
                overflows++;
                sink += depth;
            }
        }
        System.out.println("overflows " + overflows + ", last depth " + sink / Math.max(overflows, 1));
    }
}

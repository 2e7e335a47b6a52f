/** Recurses far past the agent's depth cap and spins at the bottom. */
public class DeepRecursion {
    static volatile long sink;

    static long down(int depth, long endNanos) {
        if (depth == 0) {
            long x = 0;
            while (System.nanoTime() < endNanos) {
                x += System.nanoTime() & 7;
            }
            return x;
        }
        return down(depth - 1, endNanos) + 1;
    }

    public static void main(String[] args) {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 1500;
        int depth = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        sink = down(depth, System.nanoTime() + runMs * 1_000_000L);
        System.out.println("depth " + depth + " done");
    }
}

/** Runs until killed; prints "ready" once it is busy so the test knows when to signal it. */
public class RunForever {
    static volatile long sink;

    public static void main(String[] args) {
        System.out.println("ready");
        System.out.flush();
        while (true) {
            sink += busy(100_000);
        }
    }

    static long busy(int n) {
        long x = 0;
        for (int i = 0; i < n; i++) {
            x += i ^ (x << 1);
        }
        return x;
    }
}

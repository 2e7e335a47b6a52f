/** Loaded again and again by ClassUnload's throwaway class loaders. */
public class UnloadPayload {
    public static long work(int n) {
        long x = 0;
        for (int i = 0; i < n; i++) {
            x += (x ^ i) * 3;
        }
        return x;
    }
}

import java.io.InputStream;
import java.lang.reflect.Method;

/** Loads a class through throwaway class loaders, runs its hot method, drops the loader
 *  and forces GCs so the classes unload while the profiler samples. */
public class ClassUnload {
    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        byte[] bytes;
        try (InputStream in = ClassUnload.class.getResourceAsStream("/UnloadPayload.class")) {
            bytes = in.readAllBytes();
        }
        long end = System.nanoTime() + runMs * 1_000_000L;
        int loaders = 0;
        long sink = 0;
        while (System.nanoTime() < end) {
            ClassLoader l = new ClassLoader(null) {
                @Override
                protected Class<?> findClass(String name) throws ClassNotFoundException {
                    if (!name.equals("UnloadPayload")) {
                        throw new ClassNotFoundException(name);
                    }
                    return defineClass(name, bytes, 0, bytes.length);
                }
            };
            Class<?> c = l.loadClass("UnloadPayload");
            Method m = c.getMethod("work", int.class);
            sink += (Long) m.invoke(null, 300_000);
            loaders++;
            if (loaders % 20 == 0) {
                System.gc();
            }
        }
        System.out.println("loaders " + loaders + " " + (sink == 42 ? "" : "done"));
    }
}

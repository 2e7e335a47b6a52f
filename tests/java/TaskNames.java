import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Lists the process's threads as the kernel names them (/proc/self/task/N/comm), one
 *  "task NAME" line each, after a busy thread ("spinner") has run for MS milliseconds, so
 *  a test can see which native threads an agent runs while it samples. Usage: TaskNames MS */
public class TaskNames {
    static volatile long sink;
    static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        long ms = Long.parseLong(args[0]);
        Thread spinner = new Thread(() -> {
            long x = 0;
            while (!stop) x += (x * 31) ^ (x >>> 3) + 1;
            sink = x;
        }, "spinner");
        spinner.start();
        Thread.sleep(ms);
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    System.out.println("task " + Files.readString(t.resolve("comm")).trim());
                } catch (java.io.IOException gone) {
                    // the thread ended while we listed
                }
            }
        }
        stop = true;
        spinner.join();
    }
}

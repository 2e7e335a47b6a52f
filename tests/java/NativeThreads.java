import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Prints the name of every native thread of this process (from /proc), one per line. */
public class NativeThreads {
    public static void main(String[] args) throws IOException, InterruptedException {
        Thread.sleep(args.length > 0 ? Long.parseLong(args[0]) : 300);
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path t : tasks) {
                System.out.println("native-thread " + Files.readString(t.resolve("comm")).trim());
            }
        }
    }
}

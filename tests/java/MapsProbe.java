import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

/**
 * Which shared libraries this JVM has mapped while main runs, for the lazy-loading checks
 * of tests/integration/41_agent_net.sh, and the Runtime API address the Java code sees.
 * Usage: MapsProbe NAME...  (prints "mapped NAME yes|no" per name)
 */
public class MapsProbe {
    public static void main(String[] args) throws Exception {
        List<String> maps = Files.readAllLines(Paths.get("/proc/self/maps"));
        for (String name : args) {
            boolean mapped = maps.stream().anyMatch(l -> l.endsWith("/" + name) || l.contains("/" + name + "."));
            System.out.println("mapped " + name + " " + (mapped ? "yes" : "no"));
        }
        System.out.println("runtime-api " + System.getenv("AWS_LAMBDA_RUNTIME_API"));
    }
}

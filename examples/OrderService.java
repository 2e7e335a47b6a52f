import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small order-processing service, the kind of program jvmsnap is for: a producer reads
 * "requests", a pool of workers parses, prices and signs each order, and a reporter thread
 * wakes up now and then. Runs for a few seconds (argument: milliseconds) and exits.
 */
public class OrderService {
    record Order(String id, String customer, List<Line> lines) {}

    record Line(String sku, int quantity, long priceCents) {}

    private static final AtomicLong processed = new AtomicLong();
    private static final Map<String, Long> revenueByCustomer = new HashMap<>();

    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 3000;
        BlockingQueue<String> requests = new ArrayBlockingQueue<>(1024);
        ExecutorService workers = Executors.newFixedThreadPool(3, r -> new Thread(r, "order-worker"));
        Thread producer = new Thread(() -> produce(requests, runMs), "request-reader");
        Thread reporter = new Thread(OrderService::report, "reporter");
        reporter.setDaemon(true);
        producer.start();
        reporter.start();
        for (int i = 0; i < 3; i++) {
            workers.submit(() -> work(requests));
        }
        producer.join();
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
        System.out.printf("processed %d orders for %d customers%n", processed.get(), revenueByCustomer.size());
    }

    static void produce(BlockingQueue<String> out, long runMs) {
        long end = System.nanoTime() + runMs * 1_000_000L;
        long n = 0;
        try {
            while (System.nanoTime() < end) {
                out.put(fakeRequest(n++));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String fakeRequest(long n) {
        StringBuilder sb = new StringBuilder("id=o").append(n).append(";customer=c").append(n % 97);
        for (int i = 0; i < 20; i++) {
            sb.append(";line=sku").append((n + i) % 500).append(',').append(1 + i % 4).append(',').append(199 + i * 13);
        }
        return sb.toString();
    }

    static void work(BlockingQueue<String> in) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            while (!Thread.currentThread().isInterrupted()) {
                Order order = parse(in.take());
                long total = price(order);
                byte[] signature = sign(sha, order, total);
                record(order, total, signature);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Order parse(String request) {
        String id = null;
        String customer = null;
        List<Line> lines = new ArrayList<>();
        for (String field : request.split(";")) {
            int eq = field.indexOf('=');
            String key = field.substring(0, eq);
            String value = field.substring(eq + 1);
            switch (key) {
                case "id" -> id = value;
                case "customer" -> customer = value;
                default -> {
                    String[] p = value.split(",");
                    lines.add(new Line(p[0], Integer.parseInt(p[1]), Long.parseLong(p[2])));
                }
            }
        }
        return new Order(id, customer, lines);
    }

    static long price(Order order) {
        List<Line> sorted = new ArrayList<>(order.lines());
        sorted.sort(Comparator.comparingLong(l -> -l.priceCents() * l.quantity()));
        long total = 0;
        for (int i = 0; i < sorted.size(); i++) {
            Line l = sorted.get(i);
            long amount = l.priceCents() * l.quantity();
            total += i < 3 ? amount : amount * 95 / 100; // volume discount
        }
        return total;
    }

    static byte[] sign(MessageDigest sha, Order order, long total) {
        byte[] digest = (order.id() + ":" + total).getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 200; round++) {
            digest = sha.digest(digest);
        }
        return digest;
    }

    static void record(Order order, long total, byte[] signature) {
        synchronized (revenueByCustomer) {
            revenueByCustomer.merge(order.customer(), total, Long::sum);
        }
        if (signature.length == 32) {
            processed.incrementAndGet();
        }
    }

    static void report() {
        try {
            while (true) {
                Thread.sleep(500);
                System.out.println("processed so far: " + processed.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

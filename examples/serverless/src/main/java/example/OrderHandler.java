package example;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * A small Lambda handler to profile: prices an order and signs it. Lambda's Java runtime
 * calls plain methods like this one (no aws-lambda-java-core dependency needed).
 */
public class OrderHandler {
    private static final MessageDigest SHA;

    static {
        try {
            SHA = MessageDigest.getInstance("SHA-256"); // part of the cold start
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public Map<String, Object> handleRequest(Map<String, Object> event) {
        int lines = event.get("lines") instanceof Number n ? n.intValue() : 100;
        long total = 0;
        for (int i = 0; i < lines; i++) {
            total += price("sku-" + i, 1 + i % 5);
        }
        Map<String, Object> result = new HashMap<>();
        result.put("total_cents", total);
        result.put("signature", sign(total));
        return result;
    }

    static long price(String sku, int quantity) {
        return (long) (sku.hashCode() & 0xffff) * quantity;
    }

    static synchronized String sign(long total) {
        byte[] digest = Long.toString(total).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 1000; i++) {
            digest = SHA.digest(digest);
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}

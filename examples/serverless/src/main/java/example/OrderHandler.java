package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * A small HTTP API (API Gateway v2 / function URL) handler to profile: prices an order of
 * {@code ?lines=N} lines and signs the total. {@code GET /orders?lines=200000} answers
 * {@code {"total_cents":…,"signature":"…"}}; a bad {@code lines} gets a 400.
 */
public class OrderHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final MessageDigest SHA;

    static {
        try {
            SHA = MessageDigest.getInstance("SHA-256"); // part of the cold start
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, String> query = event.getQueryStringParameters();
        String raw = query == null ? null : query.get("lines");
        int lines;
        try {
            lines = raw == null ? 100 : Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            lines = -1;
        }
        if (lines < 0) {
            return json(400, "{\"message\":\"lines must be a number >= 0\"}");
        }
        long total = total(lines);
        return json(200, "{\"total_cents\":" + total + ",\"signature\":\"" + sign(total) + "\"}");
    }

    static long total(int lines) {
        long total = 0;
        for (int i = 0; i < lines; i++) {
            total += price("sku-" + i, 1 + i % 5);
        }
        return total;
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

    private static APIGatewayV2HTTPResponse json(int status, String body) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody(body)
                .build();
    }
}

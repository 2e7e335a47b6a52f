/* The start-up probe of bench/run.sh: the smallest program that starts, prints and exits. */
public final class Hello {
	public static void main(String[] args) {
		System.out.println("hello");
	}
}

package io.tributary.internal;

/**
 * Byte-array helpers shared by the engine and the stores. Internal: not part of the API.
 */
public final class Bytes {

	private Bytes() {
	}

	/**
	 * Where a byte sequence first occurs in another.
	 *
	 * @param haystack the bytes searched
	 * @param needle the bytes looked for
	 * @return the index of the first occurrence, or -1
	 */
	public static int indexOf(byte[] haystack, byte[] needle) {
		outer:
		for (int i = 0; i <= haystack.length - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (haystack[i + j] != needle[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}
}

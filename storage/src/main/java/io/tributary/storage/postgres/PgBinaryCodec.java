package io.tributary.storage.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.r2dbc.postgresql.client.EncodedParameter;
import io.r2dbc.postgresql.codec.Codec;
import io.r2dbc.postgresql.codec.CodecMetadata;
import io.r2dbc.postgresql.codec.PostgresTypeIdentifier;
import io.r2dbc.postgresql.extension.CodecRegistrar;
import io.r2dbc.postgresql.message.Format;
import reactor.core.publisher.Mono;

/**
 * Binds the parameters the store sends most in PostgreSQL's binary format: {@code byte[]} as {@code bytea} and the
 * arrays its batches {@code unnest} ({@code String[]} as {@code text[]}, {@code Long[]} as {@code int8[]},
 * {@code Integer[]} as {@code int4[]}, {@code UUID[]} as {@code uuid[]}, {@code byte[][]} as {@code bytea[]}), with
 * {@code null} elements. r2dbc-postgresql 1.1.3 sends these as text: every {@code bytea} as hex, two characters a
 * byte, and arrays escaped element by element, all of it on its one event-loop thread per connection group; in that
 * form it also loses the escapes of a {@code bytea[]}. Binary, a value is its bytes behind a length.
 * <p>
 * One instance per Java type, registered first ({@link #registrar()}) and declaring its type ({@link CodecMetadata}),
 * so that the driver's lookup, which caches a codec per class, finds it before its own; it decodes nothing
 * (results come binary through the driver's own codecs, see {@code forceBinary}). Encoding runs in
 * {@code Statement.bind}, on the binding thread; the bound value is a {@code byte[]} that the driver wraps when it
 * writes the message, so an unused binding holds no buffer.
 */
final class PgBinaryCodec implements Codec<Object>, CodecMetadata {

	static final int BYTEA = 17;
	static final int INT8 = 20;
	static final int INT4 = 23;
	static final int TEXT = 25;
	static final int UUID_OID = 2950;
	static final int BYTEA_ARRAY = 1001;
	static final int INT4_ARRAY = 1007;
	static final int TEXT_ARRAY = 1009;
	static final int INT8_ARRAY = 1016;
	static final int UUID_ARRAY = 2951;

	private static final List<PgBinaryCodec> CODECS = List.of(
			new PgBinaryCodec(byte[].class, v -> parameter(BYTEA, (byte[]) v)),
			new PgBinaryCodec(String[].class, v -> parameter(TEXT_ARRAY, texts((String[]) v))),
			new PgBinaryCodec(Long[].class, v -> parameter(INT8_ARRAY, longs((Long[]) v))),
			new PgBinaryCodec(Integer[].class, v -> parameter(INT4_ARRAY, ints((Integer[]) v))),
			new PgBinaryCodec(UUID[].class, v -> parameter(UUID_ARRAY, uuids((UUID[]) v))),
			new PgBinaryCodec(byte[][].class, v -> parameter(BYTEA_ARRAY, array(BYTEA, (byte[][]) v))));

	private final Class<?> type;
	private final Function<Object, EncodedParameter> encoder;

	private PgBinaryCodec(Class<?> type, Function<Object, EncodedParameter> encoder) {
		this.type = type;
		this.encoder = encoder;
	}

	/**
	 * Registers the codec ahead of the driver's own on every connection.
	 *
	 * @return the registrar for {@code PostgresqlConnectionConfiguration.Builder.codecRegistrar}
	 */
	static CodecRegistrar registrar() {
		return (connection, allocator, registry) -> {
			for (PgBinaryCodec codec : CODECS) {
				registry.addFirst(codec);
			}
			return Mono.empty();
		};
	}

	@Override
	public boolean canDecode(int dataType, Format format, Class<?> type) {
		return false;
	}

	@Override
	public boolean canEncode(Object value) {
		return type.isInstance(value);
	}

	@Override
	public Class<?> type() {
		return type;
	}

	@Override
	public Iterable<? extends PostgresTypeIdentifier> getDataTypes() {
		// none: the driver's lookup takes it for no result column
		return List.of();
	}

	@Override
	public boolean canEncodeNull(Class<?> type) {
		return false;
	}

	@Override
	public Object decode(ByteBuf buffer, int dataType, Format format, Class<?> type) {
		throw new UnsupportedOperationException("decodes nothing");
	}

	@Override
	public EncodedParameter encode(Object value) {
		if (!type.isInstance(value)) {
			throw new IllegalArgumentException("cannot encode " + value.getClass().getName() + " as " + type.getName());
		}
		return encoder.apply(value);
	}

	private static byte[] texts(String[] values) {
		byte[][] elements = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			elements[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
		}
		return array(TEXT, elements);
	}

	private static byte[] longs(Long[] values) {
		byte[][] elements = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			elements[i] = values[i] == null ? null : ByteBuffer.allocate(Long.BYTES).putLong(values[i]).array();
		}
		return array(INT8, elements);
	}

	private static byte[] ints(Integer[] values) {
		byte[][] elements = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			elements[i] = values[i] == null ? null : ByteBuffer.allocate(Integer.BYTES).putInt(values[i]).array();
		}
		return array(INT4, elements);
	}

	private static byte[] uuids(UUID[] values) {
		byte[][] elements = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			elements[i] = values[i] == null ? null : ByteBuffer.allocate(16).putLong(values[i].getMostSignificantBits())
					.putLong(values[i].getLeastSignificantBits()).array();
		}
		return array(UUID_OID, elements);
	}

	@Override
	public EncodedParameter encode(Object value, int dataType) {
		return encode(value);
	}

	@Override
	public EncodedParameter encodeNull() {
		throw new UnsupportedOperationException("nulls are bound by the driver's codecs");
	}

	private static EncodedParameter parameter(int type, byte[] value) {
		return new EncodedParameter(Format.FORMAT_BINARY, type, Mono.fromSupplier(() -> Unpooled.wrappedBuffer(value)));
	}

	/**
	 * A one-dimensional array in the binary format of {@code array_send}: dimensions, a null flag, the element type,
	 * the length and lower bound (1) of the dimension, then each element as its length (-1 for {@code null}) and
	 * bytes. An empty array has no dimension.
	 */
	static byte[] array(int elementType, byte[][] elements) {
		long size = elements.length == 0 ? 12L : 20L;
		boolean nulls = false;
		for (byte[] e : elements) {
			size += 4 + (e == null ? 0 : e.length);
			nulls |= e == null;
		}
		if (size > Integer.MAX_VALUE - 16) {
			throw new IllegalArgumentException("an array of " + size + " bytes is too large for one parameter");
		}
		ByteBuffer out = ByteBuffer.allocate((int) size);
		out.putInt(elements.length == 0 ? 0 : 1).putInt(nulls ? 1 : 0).putInt(elementType);
		if (elements.length > 0) {
			out.putInt(elements.length).putInt(1);
		}
		for (byte[] e : elements) {
			if (e == null) {
				out.putInt(-1);
			}
			else {
				out.putInt(e.length).put(e);
			}
		}
		return out.array();
	}

	@Override
	public String toString() {
		return "PgBinaryCodec{" + type.getSimpleName() + "}";
	}
}

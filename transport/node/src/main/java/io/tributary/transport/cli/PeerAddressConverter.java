package io.tributary.transport.cli;

import io.tributary.transport.peer.PeerAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A peer's {@code host:port} ({@code [v6]:port}), checked as {@link PeerAddress#parse(String)} does. */
final class PeerAddressConverter implements ITypeConverter<PeerAddress> {

	@Override
	public PeerAddress convert(String value) {
		try {
			return PeerAddress.parse(value.strip());
		}
		catch (IllegalArgumentException e) {
			throw new TypeConversionException("'" + value + "' is not host:port with a port from 1 to 65535");
		}
	}
}

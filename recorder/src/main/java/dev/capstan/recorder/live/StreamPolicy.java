package dev.capstan.recorder.live;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which stream addresses this operator allows: regular expressions matched against the whole address, key
 * included (like Jibri's {@code rtmp-allow-list}), and a host name that resolves. Checked before anything starts,
 * so a bad address is refused at once and for good.
 */
public record StreamPolicy(List<Pattern> allowList) {

    /** Any RTMP or RTMPS address (Jibri's default allow-list, {@code .*}). */
    public static final StreamPolicy ANY = new StreamPolicy(List.of(Pattern.compile(".*")));

    public StreamPolicy {
        allowList = List.copyOf(allowList);
    }

    public static StreamPolicy allowing(List<String> patterns) {
        return new StreamPolicy(patterns.stream().map(Pattern::compile).toList());
    }

    /** Parses and checks an address; the exception says why it is refused. */
    public StreamUrl check(String text) throws InvalidStreamUrlException {
        StreamUrl url = StreamUrl.parse(text);
        if (allowList.stream().noneMatch(pattern -> pattern.matcher(url.reveal()).matches())) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.NOT_ALLOWED,
                    url.masked() + " is not on this server's allow-list of stream addresses");
        }
        try {
            InetAddress.getAllByName(url.host());
        } catch (UnknownHostException e) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.UNRESOLVABLE,
                    url.masked() + ": the host " + url.host() + " cannot be resolved");
        }
        return url;
    }
}

package dev.capstan.scheduler.events.metrics;

/**
 * Who started a session, as a metric tag: the kind of requester only. The full origin names an occupant or an
 * environment, which would make a series per occupant.
 */
enum OriginKind {
    REST("rest"),
    XMPP("xmpp"),
    JIBRI_HTTP("jibri-http"),
    OTHER("other");

    private final String tag;

    OriginKind(String tag) {
        this.tag = tag;
    }

    String tag() {
        return tag;
    }

    /** From a session's origin: {@code rest}, {@code xmpp:<environment>/<host>/<occupant>}, {@code jibri-http}. */
    static OriginKind of(String origin) {
        if (origin == null) {
            return OTHER;
        }
        if (origin.equals("rest")) {
            return REST;
        }
        if (origin.startsWith("xmpp:")) {
            return XMPP;
        }
        return origin.equals("jibri-http") ? JIBRI_HTTP : OTHER;
    }
}

package dev.capstan.storage.archive;

/** The catalog's column sizes (see V1__catalog.sql), checked before the database sees a value. */
final class Limits {

    static final int ROOM = 1024;
    static final int MEETING_URL = 4096;
    static final int SESSION_ID = 256;
    static final int STATUS_DETAIL = 2048;
    static final int CHECKSUM = 128;
    static final int LOCATION = 2048;
    static final int KEY = 1024;

    private Limits() {
    }

    static void check(String name, String value, int max) {
        if (value != null && value.length() > max) {
            throw new IllegalArgumentException(name + " is longer than " + max + " characters");
        }
    }

    /** Free text such as an error message is cut to fit rather than refused. */
    static String truncate(String detail) {
        if (detail == null || detail.length() <= STATUS_DETAIL) {
            return detail;
        }
        return detail.substring(0, STATUS_DETAIL - 1) + "…";
    }

    /** A cheap guard against passing the wrong JSON (the catalog stores it as text and does not parse it). */
    static String json(String name, String value, char opening, String empty) {
        if (value == null) {
            return empty;
        }
        if (value.isBlank() || value.strip().charAt(0) != opening) {
            throw new IllegalArgumentException(name + " must be a JSON " + (opening == '[' ? "array" : "object"));
        }
        return value;
    }
}

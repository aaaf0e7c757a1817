package dev.capstan.recorder.browser;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.openqa.selenium.JavascriptException;

/** The remote audio tracks of a joined Jitsi Meet page, taken by {@link JitsiMeetScripts#CAPTURE_TRACKS}. */
final class JitsiMeetTracks implements PageTracks {

    private final Browser browser;

    private JitsiMeetTracks(Browser browser) {
        this.browser = browser;
    }

    /** Starts the capture in the page; refused with the page's reason when it has no tracks to give. */
    static TrackOffer start(Browser browser) {
        Object answer = browser.script(JitsiMeetScripts.CAPTURE_TRACKS);
        return Boolean.TRUE.equals(answer) ? new TrackOffer.Offered(new JitsiMeetTracks(browser))
                : new TrackOffer.Refused(String.valueOf(answer));
    }

    @Override
    public List<TrackSignal> take() {
        return take(false);
    }

    @Override
    public List<TrackSignal> finish() {
        return take(true);
    }

    private List<TrackSignal> take(boolean finishing) {
        Object answer = browser.asyncScript(JitsiMeetScripts.TAKE_TRACKS, finishing);
        if (!(answer instanceof Map<?, ?> result)) {
            throw new JavascriptException("the page's tracks could not be read: " + answer);
        }
        List<TrackSignal> signals = new ArrayList<>();
        if (!Boolean.TRUE.equals(result.get("installed"))) {
            // The page reloaded itself: what it took before went with it; a new capture starts in the new page.
            signals.add(new TrackSignal.Restarted(Instant.now()));
            if (!finishing) {
                Object restarted = browser.script(JitsiMeetScripts.CAPTURE_TRACKS);
                if (!Boolean.TRUE.equals(restarted)) {
                    signals.add(new TrackSignal.Broken(Optional.empty(),
                            "the reloaded page gives no tracks: " + restarted, Instant.now()));
                }
            }
            return signals;
        }
        if (result.get("items") instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> fields) {
                    signal(fields).ifPresent(signals::add);
                }
            }
        }
        return signals;
    }

    private static Optional<TrackSignal> signal(Map<?, ?> item) {
        Optional<String> key = JitsiMeetScripts.text(item.get("key"));
        Optional<String> participantId = JitsiMeetScripts.text(item.get("participantId"));
        Instant at = at(item.get("at"));
        return switch (String.valueOf(item.get("type"))) {
            case "data" -> key.map(track -> new TrackSignal.Data(track,
                    Base64.getDecoder().decode(String.valueOf(item.get("data"))), at));
            case "started" -> key.flatMap(track -> JitsiMeetScripts.participants(List.of(item.get("participant")))
                    .stream().findFirst()
                    .map(who -> new TrackSignal.Started(track, who, JitsiMeetScripts.text(item.get("statsId")), at)));
            case "ended" -> key.map(track -> new TrackSignal.Ended(track, at));
            case "muted" -> participantId.map(id -> new TrackSignal.MuteChanged(id,
                    Boolean.TRUE.equals(item.get("muted")), at));
            case "joined" -> participantId.map(id -> new TrackSignal.Joined(id, at));
            case "left" -> participantId.map(id -> new TrackSignal.Left(id, at));
            case "broken" -> Optional.of(new TrackSignal.Broken(key,
                    JitsiMeetScripts.text(item.get("message")).orElse("unknown"), at));
            default -> Optional.empty();
        };
    }

    /** Epoch milliseconds with a fraction (the page's {@code performance.timeOrigin + performance.now()}). */
    private static Instant at(Object millis) {
        if (!(millis instanceof Number number)) {
            return Instant.now();
        }
        double value = number.doubleValue();
        long whole = (long) Math.floor(value);
        return Instant.ofEpochMilli(whole).plusNanos(Math.round((value - whole) * 1_000_000));
    }
}

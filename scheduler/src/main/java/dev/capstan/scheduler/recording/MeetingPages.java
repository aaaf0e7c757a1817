package dev.capstan.scheduler.recording;

import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.scheduler.plan.RecordingPlan;

/** The page a slot opens for a plan's meeting, on the host that records it. */
public interface MeetingPages {

    /**
     * @throws IllegalArgumentException when this host cannot open the meeting (a Jibri environment it does not have)
     */
    MeetingPage page(RecordingPlan plan);
}

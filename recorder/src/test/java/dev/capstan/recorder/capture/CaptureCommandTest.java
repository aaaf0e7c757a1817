package dev.capstan.recorder.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The FFmpeg command line carries the settings the recordings' smoothness and sync were measured with. */
class CaptureCommandTest {

    private static final Path FFMPEG = Path.of("/opt/ffmpeg/bin/ffmpeg");
    private static final Path SEGMENTS = Path.of("/var/lib/capstan/rec-1/segments");

    private static CaptureCommand command(Duration audioDelay, Optional<Duration> maxDuration) {
        return new CaptureCommand(":42", "unix:/run/capstan/slot-1/pulse/native", "capstan.monitor",
                VideoProfile.HD_720P30, SEGMENTS, Duration.ofSeconds(2), audioDelay, maxDuration);
    }

    private static List<String> arguments(Duration audioDelay, Optional<Duration> maxDuration) {
        return command(audioDelay, maxDuration).arguments(FFMPEG);
    }

    /** Index of the first place {@code pair} occurs as two consecutive arguments, or -1. */
    private static int indexOfPair(List<String> args, String option, String value) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals(option) && args.get(i + 1).equals(value)) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the {@code -i} that opens the input with format {@code format}. */
    private static int inputIndex(List<String> args, String format) {
        int formatAt = indexOfPair(args, "-f", format);
        assertThat(formatAt).as("-f %s in %s", format, args).isNotNegative();
        int input = args.subList(formatAt, args.size()).indexOf("-i");
        assertThat(input).as("-i after -f %s", format).isNotNegative();
        return formatAt + input;
    }

    @Test
    void runsTheGivenBinaryAndWritesThePlaylistIntoTheSegmentDirectory() {
        List<String> args = arguments(Duration.ZERO, Optional.empty());

        assertThat(args.get(0)).isEqualTo(FFMPEG.toString());
        assertThat(args.get(args.size() - 1)).isEqualTo(SEGMENTS.resolve("index.m3u8").toString());
        assertThat(indexOfPair(args, "-hls_segment_filename", SEGMENTS.resolve("seg_%05d.m4s").toString()))
                .as("segments named as SegmentedRecording expects").isNotNegative();
        assertThat(indexOfPair(args, "-progress", "pipe:1")).as("progress on stdout").isNotNegative();
    }

    @Test
    void anAudioOnlyCaptureReadsTheSinkAloneAndEncodesNoPicture() {
        List<String> args = new CaptureCommand(":42", "unix:/run/capstan/slot-1/pulse/native", "capstan.monitor",
                VideoProfile.HD_720P30, SEGMENTS, Duration.ofSeconds(2), Duration.ofMillis(120),
                Optional.of(Duration.ofMinutes(5)), Optional.empty(), Optional.empty(), CaptureMedia.AUDIO_ONLY, 0)
                .arguments(FFMPEG);

        assertThat(args).as("no display grab, no video encode, no picture filter")
                .doesNotContain("x11grab", "libx264", "-vf", ":42.0+0,0", "1:v");
        assertThat(args.stream().filter("-i"::equals).count()).as("inputs").isEqualTo(1);
        assertThat(indexOfPair(args, "-i", "capstan.monitor")).isEqualTo(inputIndex(args, "pulse"));
        assertThat(indexOfPair(args, "-map", "0:a")).isNotNegative();
        assertThat(indexOfPair(args, "-c:a", "aac")).isNotNegative();
        // No picture to line the sound up with: no delay.
        assertThat(indexOfPair(args, "-af", "aresample=async=1:first_pts=0")).isNotNegative();
        assertThat(indexOfPair(args, "-t", "300.000")).isNotNegative();
        assertThat(indexOfPair(args, "-hls_segment_type", "fmp4")).as("the same crash-safe segments").isNotNegative();
        assertThat(args.get(args.size() - 1)).isEqualTo(SEGMENTS.resolve("index.m3u8").toString());
    }

    @Test
    void soundIsOpenedBeforeThePictureWithASmallFragmentSize() {
        List<String> args = arguments(Duration.ZERO, Optional.empty());

        int pulseFormat = indexOfPair(args, "-f", "pulse");
        int pulseInput = inputIndex(args, "pulse");
        int x11Format = indexOfPair(args, "-f", "x11grab");
        int x11Input = inputIndex(args, "x11grab");
        assertThat(pulseInput).as("pulse input precedes x11grab").isLessThan(x11Format);
        assertThat(args.get(pulseInput + 1)).isEqualTo("capstan.monitor");
        assertThat(args.get(x11Input + 1)).isEqualTo(":42.0+0,0");

        int fragment = args.indexOf("-fragment_size");
        assertThat(fragment).as("-fragment_size in %s", args).isNotNegative();
        assertThat(fragment).as("-fragment_size belongs to the pulse input").isBetween(pulseFormat, pulseInput);
        assertThat(Integer.parseInt(args.get(fragment + 1)))
                .as("sound fragments small enough not to starve x11grab (it does from 32768 bytes)").isBetween(1024, 16384);
        assertThat(indexOfPair(args, "-server", "unix:/run/capstan/slot-1/pulse/native"))
                .as("the slot's own sound server").isBetween(pulseFormat, pulseInput);
    }

    @Test
    void pictureFollowsTheSoundClockAndInputQueuesHoldUnderASecond() {
        List<String> args = arguments(Duration.ZERO, Optional.empty());

        int isync = indexOfPair(args, "-isync", "1");
        assertThat(isync).as("-isync 1 in %s", args).isNotNegative();
        assertThat(isync).as("-isync 1 is an option of the sound input: the picture's clock rules")
                .isGreaterThan(indexOfPair(args, "-f", "pulse")).isLessThan(inputIndex(args, "pulse"));

        List<Integer> queues = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-thread_queue_size")) {
                queues.add(Integer.parseInt(args.get(i + 1)));
            }
        }
        assertThat(queues).as("one queue size per input").hasSize(2);
        // 8192-byte sound fragments are 43 ms; FFmpeg's own queues hold a few more frames behind the picture's.
        assertThat(queues.get(0)).as("sound queue, packets of 43 ms").isBetween(8, 24);
        assertThat(queues.get(1)).as("picture queue, frames of 33 ms").isBetween(8, 24);
        assertThat(indexOfPair(args, "-video_size", "1280x720")).isNotNegative();
        assertThat(indexOfPair(args, "-framerate", "30")).isNotNegative();
        assertThat(indexOfPair(args, "-draw_mouse", "0")).as("no cursor in the recording").isNotNegative();
    }

    @Test
    void framesKeepTheirGrabTimeAndKeyframesComeEveryTwoSeconds() {
        List<String> args = arguments(Duration.ZERO, Optional.empty());

        assertThat(indexOfPair(args, "-fps_mode", "vfr")).as("no duplicated frames: %s", args).isNotNegative();
        assertThat(args).as("-r would make FFmpeg invent frames").doesNotContain("-r");
        assertThat(indexOfPair(args, "-enc_time_base:v", "1/30"))
                .as("the picture's times on the nominal frame grid (the sound's would repeat)").isNotNegative();
        assertThat(indexOfPair(args, "-force_key_frames", "expr:gte(t,n_forced*2)"))
                .as("keyframes by time, whatever frames were dropped").isNotNegative();
        assertThat(indexOfPair(args, "-sc_threshold", "0")).as("no keyframes on scene cuts").isNotNegative();
        assertThat(Integer.parseInt(args.get(args.indexOf("-g") + 1))).as("x264's own keyframe interval, a backstop")
                .isGreaterThan(60);
    }

    @Test
    void stopsByItselfOnlyWhenAMaximumDurationIsGiven() {
        assertThat(arguments(Duration.ZERO, Optional.empty())).doesNotContain("-t");

        List<String> limited = arguments(Duration.ZERO, Optional.of(Duration.ofMillis(90_500)));
        int t = indexOfPair(limited, "-t", "90.500");
        assertThat(t).as("-t 90.500 in %s", limited).isNotNegative();
        assertThat(limited.stream().filter("-t"::equals).count()).isEqualTo(1);
        assertThat(t).as("-t is an output option, after both inputs")
                .isGreaterThan(inputIndex(limited, "x11grab"))
                .isLessThan(indexOfPair(limited, "-f", "hls"));
    }

    @Test
    void anAudioDelayBecomesAnAdelayFilter() {
        List<String> delayed = arguments(Duration.ofMillis(80), Optional.empty());
        int af = delayed.indexOf("-af");
        assertThat(af).isNotNegative();
        assertThat(delayed.get(af + 1)).contains("adelay=delays=80:all=1").contains("aresample=async=1:first_pts=0");
        assertThat(delayed.get(af + 1).indexOf("adelay")).as("delay before resampling")
                .isLessThan(delayed.get(af + 1).indexOf("aresample"));
        assertThat(delayed).as("no -itsoffset, which -isync would carry over to the picture")
                .doesNotContain("-itsoffset");

        List<String> undelayed = arguments(Duration.ZERO, Optional.empty());
        assertThat(undelayed.get(undelayed.indexOf("-af") + 1)).isEqualTo("aresample=async=1:first_pts=0");
    }

    @Test
    void theDefaultSlotConfigurationDelaysSoundByEightyMilliseconds() {
        List<String> args = command(dev.capstan.recorder.slot.SlotConfig.defaults().audioDelay(), Optional.empty())
                .arguments(FFMPEG);
        assertThat(args.get(args.indexOf("-af") + 1)).contains("adelay=delays=80:all=1");
    }

    private static List<String> live(boolean withFile) {
        return new CaptureCommand(":42", "unix:/run/capstan/slot-1/pulse/native", "capstan.monitor",
                VideoProfile.HD_720P30, SEGMENTS, Duration.ofSeconds(2), Duration.ZERO, Optional.empty(),
                Optional.of(new LiveTap("unix:/tmp/capstan-live-1/feed.sock", 2976, 5952, withFile))).arguments(FFMPEG);
    }

    @Test
    void recordAndStreamShareOneEncodeThroughTheTeeMuxer() {
        List<String> args = live(true);

        assertThat(args.stream().filter("-c:v"::equals).count()).as("one video encoder").isEqualTo(1);
        assertThat(indexOfPair(args, "-f", "tee")).isNotNegative();
        assertThat(indexOfPair(args, "-maxrate", "2976k")).as("Jibri's streaming cap").isNotNegative();
        assertThat(indexOfPair(args, "-bufsize", "5952k")).isNotNegative();
        assertThat(indexOfPair(args, "-force_key_frames", "expr:gte(t,n_forced*2)")).as("a keyframe every 2 s")
                .isNotNegative();
        assertThat(indexOfPair(args, "-flags", "+global_header")).isNotNegative();
        assertThat(args.get(args.size() - 1)).isEqualTo("[f=hls:hls_time=2.000:hls_list_size=0:hls_playlist_type=event"
                + ":hls_segment_type=fmp4:hls_flags=independent_segments+temp_file:hls_fmp4_init_filename=init.mp4:start_number=0"
                + ":hls_segment_filename=/var/lib/capstan/rec-1/segments/seg_%05d.m4s:onfail=abort]"
                + "/var/lib/capstan/rec-1/segments/index.m3u8"
                + "|[f=mpegts:onfail=ignore]unix\\:/tmp/capstan-live-1/feed.sock");
    }

    @Test
    void aLiveStreamWithoutFileWritesOnlyTheFeed() {
        List<String> args = live(false);

        assertThat(args.subList(args.size() - 3, args.size()))
                .containsExactly("-f", "mpegts", "unix:/tmp/capstan-live-1/feed.sock");
        assertThat(args).doesNotContain("-hls_time", "tee");
    }

    @Test
    void aFileRecordingAloneHasNoStreamingCap() {
        assertThat(arguments(Duration.ZERO, Optional.empty())).doesNotContain("-maxrate", "-bufsize", "tee");
    }

    private static List<String> scaled(OutputSize size) {
        return new CaptureCommand(":42", "unix:/run/capstan/slot-1/pulse/native", "capstan.monitor",
                VideoProfile.HD_720P30, SEGMENTS, Duration.ofSeconds(2), Duration.ZERO, Optional.empty(),
                Optional.empty(), Optional.of(size)).arguments(FFMPEG);
    }

    @Test
    void aSmallerSizeIsScaledByTheEncoderKeepingAspectAndEvenSides() {
        List<String> args = scaled(new OutputSize(640, 360));

        assertThat(indexOfPair(args, "-video_size", "1280x720")).as("the display is grabbed whole").isNotNegative();
        assertThat(args.get(args.indexOf("-vf") + 1)).isEqualTo("format=bgr24,"
                + "scale=w=640:h=360:force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p");
        assertThat(args.stream().filter("-vf"::equals).count()).as("one filter chain, one scaling pass").isEqualTo(1);
        assertThat(indexOfPair(args, "-vf", "format=bgr24,format=yuv420p")).isNegative();
    }

    @Test
    void theDisplaysOwnSizeIsNotScaled() {
        List<String> args = scaled(new OutputSize(1280, 720));

        assertThat(args.get(args.indexOf("-vf") + 1)).isEqualTo("format=bgr24,format=yuv420p");
        assertThat(scaled(new OutputSize(1280, 720))).isEqualTo(arguments(Duration.ZERO, Optional.empty()));
    }

    @Test
    void aLargerSizeThanTheDisplayIsRefused() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> scaled(new OutputSize(1920, 1080)))
                .withMessage("the display is 1280x720: it cannot be recorded larger, at 1920x1080");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new OutputSize(8, 8)).withMessageContaining("between 16x16 and 7680x7680");
    }
}

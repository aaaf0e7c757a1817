package dev.capstan.recorder.capture;

/**
 * The picture size a recording asks for when it is smaller than its slot's display. The display cannot be
 * resized (Xvfb's screen is fixed at start), so the encoder scales the grabbed picture into this box, keeping the
 * display's aspect ratio and even dimensions (H.264 with 4:2:0 needs them).
 */
public record OutputSize(int width, int height) {

    /** Below this, x264 and players misbehave; above it no display exists. */
    public static final int MIN = 16;
    public static final int MAX = 7680;

    public OutputSize {
        if (width < MIN || height < MIN || width > MAX || height > MAX) {
            throw new IllegalArgumentException("a picture size must be between " + MIN + "x" + MIN + " and " + MAX
                    + "x" + MAX + ", not " + width + "x" + height);
        }
    }

    /** Whether a display of {@code profile}'s size holds this size without enlarging. */
    public boolean fitsIn(VideoProfile profile) {
        return width <= profile.width() && height <= profile.height();
    }

    /** Whether it is exactly {@code profile}'s size: nothing to scale. */
    public boolean sameAs(VideoProfile profile) {
        return width == profile.width() && height == profile.height();
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}

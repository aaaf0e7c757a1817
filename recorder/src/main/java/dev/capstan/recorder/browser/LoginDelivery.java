package dev.capstan.recorder.browser;

/** How the recorder's login reaches jitsi-meet, which reads it from its local storage. */
public enum LoginDelivery {
    /**
     * In the URL hash, with one page load ({@code config.useHostPageLocalStorage=true} and
     * {@code appData.localStorageContent}), as Jibri does since November 2025. Needs a jitsi-meet that honours them.
     */
    URL_HASH,
    /**
     * Written into the browser's local storage from the meeting server's home page before the meeting is opened,
     * as older Jibris do. Costs a second page load but works with any jitsi-meet.
     */
    LOCAL_STORAGE
}

package dev.capstan.scheduler.demo;

import dev.capstan.recorder.demo.DemoMeeting;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Serves the built-in demo meeting, which is also Capstan's A/V test signal. */
@RestController
public class DemoPageController {

    public static final String PATH = "/demo";

    @GetMapping(path = PATH, produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<byte[]> page() {
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body(DemoMeeting.html());
    }
}

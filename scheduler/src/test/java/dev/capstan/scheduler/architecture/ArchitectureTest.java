package dev.capstan.scheduler.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture's rules, checked on the compiled classes of all three modules (scheduler's test classpath has
 * them all): dependencies point down the picture (scheduler → recorder → storage), the data plane knows nothing
 * of HTTP or XMPP, and no module's packages form a cycle.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // recorder's test-jar (its fixtures and tests) is on this classpath too; only production code counts.
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.capstan");
    }

    @Test
    void storageKnowsNothingOfTheOtherModules() {
        noClasses().that().resideInAPackage("dev.capstan.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.capstan.recorder..", "dev.capstan.scheduler..")
                .check(classes);
    }

    @Test
    void theRecorderKnowsNothingOfTheSchedulerHttpOrXmpp() {
        noClasses().that().resideInAPackage("dev.capstan.recorder..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.capstan.scheduler..",
                        "org.springframework.web..", "org.springframework.http..", "jakarta.servlet..",
                        "org.jivesoftware..", "org.jxmpp..")
                .check(classes);
    }

    /** Each package is a slice of its own ({@code (**)}): a cycle through subpackages counts too. */
    @Test
    void noPackageCycleInStorage() {
        slices().matching("dev.capstan.storage.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noPackageCycleInTheRecorder() {
        slices().matching("dev.capstan.recorder.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noPackageCycleInTheScheduler() {
        slices().matching("dev.capstan.scheduler.(**)").should().beFreeOfCycles().check(classes);
    }

    /** The recording plan is the inner vocabulary every front door and both kinds of node share. */
    @Test
    void thePlanKnowsNoFrontDoorAndNoNode() {
        noClasses().that().resideInAPackage("dev.capstan.scheduler.plan..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.capstan.scheduler.api..",
                        "dev.capstan.scheduler.jibri..", "dev.capstan.scheduler.fleet..",
                        "dev.capstan.scheduler.session..", "dev.capstan.scheduler.recording..")
                .check(classes);
    }
}
